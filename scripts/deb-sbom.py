#!/usr/bin/env python3
"""Usage: scripts/deb-sbom.py PACKAGE.deb COMMIT > PACKAGE.spdx.json

An SPDX 2.3 SBOM (JSON) of a pg_tviews Debian package: the package itself (checksums of the .deb,
the commit it was built from), every file it installs (SHA-1 and SHA-256), and each Debian package
it depends on, with the version constraint of the package and the version this build root has
(the one it was built and checked against). Deterministic: the creation time is
SOURCE_DATE_EPOCH and the namespace is derived from the .deb's digest, so the same .deb gives the
same SBOM bytes."""
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def spdx_id(text):
    return "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]", "-", text)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    deb, commit = sys.argv[1], sys.argv[2]
    blob = open(deb, "rb").read()
    deb_sha256 = hashlib.sha256(blob).hexdigest()
    field = lambda name: run("dpkg-deb", "-f", deb, name).decode().strip()
    package, version, arch = field("Package"), field("Version"), field("Architecture")
    depends = field("Depends")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))

    # The files the package installs.
    files = []
    with tarfile.open(fileobj=io.BytesIO(run("dpkg-deb", "--fsys-tarfile", deb))) as tar:
        for member in tar:
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()
            path = member.name[1:] if member.name.startswith("./") else member.name
            files.append({
                "fileName": "." + path if path.startswith("/") else "./" + path,
                "SPDXID": spdx_id("File" + path),
                "checksums": [
                    {"algorithm": "SHA1", "checksumValue": hashlib.sha1(data).hexdigest()},
                    {"algorithm": "SHA256", "checksumValue": hashlib.sha256(data).hexdigest()},
                ],
                "licenseConcluded": "NOASSERTION",
                "copyrightText": "NOASSERTION",
            })
    files.sort(key=lambda f: f["fileName"])
    verification = hashlib.sha1("".join(sorted(f["checksums"][0]["checksumValue"] for f in files)).encode()).hexdigest()

    main_id = spdx_id("Package-" + package)
    packages = [{
        "name": package,
        "SPDXID": main_id,
        "versionInfo": version,
        "supplier": "Organization: pg_tviews maintainers",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": True,
        "packageVerificationCode": {"packageVerificationCodeValue": verification},
        "packageFileName": os.path.basename(deb),
        "checksums": [
            {"algorithm": "SHA1", "checksumValue": hashlib.sha1(blob).hexdigest()},
            {"algorithm": "SHA256", "checksumValue": deb_sha256},
        ],
        "sourceInfo": "built from pg_tviews commit " + commit,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                          "referenceLocator": "pkg:deb/debian/%s@%s?arch=%s" % (package, version, arch)}],
        "hasFiles": [f["SPDXID"] for f in files],
    }]
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": main_id}]
    for f in files:
        relationships.append({"spdxElementId": main_id, "relationshipType": "CONTAINS",
                              "relatedSpdxElement": f["SPDXID"]})

    # The packages it depends on: the constraint, and the version in this root.
    for clause in [c.strip() for c in depends.split(",") if c.strip()]:
        alternative = clause.split("|")[0].strip()
        m = re.match(r"([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9]+)?\s*(?:\((.*)\))?", alternative)
        name, constraint = m.group(1), (m.group(2) or "").strip()
        try:
            dep_version, dep_arch = run("dpkg-query", "-W", "-f=${Version} ${Architecture}", name).decode().split()
        except subprocess.CalledProcessError:
            dep_version, dep_arch = "NOASSERTION", arch
        dep_id = spdx_id("Package-" + name)
        entry = {
            "name": name,
            "SPDXID": dep_id,
            "versionInfo": dep_version,
            "supplier": "Organization: Debian",
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "comment": "%s depends on %s%s; version %s is the one of the build root" % (
                package, name, " (%s)" % constraint if constraint else "", dep_version),
        }
        if dep_version != "NOASSERTION":
            entry["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                      "referenceLocator": "pkg:deb/debian/%s@%s?arch=%s" % (name, dep_version, dep_arch)}]
        packages.append(entry)
        relationships.append({"spdxElementId": main_id, "relationshipType": "DEPENDS_ON",
                              "relatedSpdxElement": dep_id})

    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "%s_%s_%s" % (package, version, arch),
        "documentNamespace": "https://spdx.org/spdxdocs/%s-%s-%s" % (package, version, deb_sha256),
        "creationInfo": {
            "created": created,
            "creators": ["Organization: pg_tviews maintainers", "Tool: pg_tviews-deb-sbom"],
        },
        "packages": packages,
        "files": files,
        "relationships": relationships,
    }
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
