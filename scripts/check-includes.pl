#!/usr/bin/env perl
# Usage: scripts/check-includes.pl SRC_DIR [FOLDER...]
# Fails when a module of src/ reaches itself through includes. A module is a header and its
# source file (src/runtime/kernel.hpp + kernel.cpp); module A depends on B when A's header or
# source includes B's header. With FOLDERs (e.g. runtime), only modules of those folders are
# checked, over the edges among them. Prints each cycle found; exit 1 if any.
use strict;
use warnings;
use File::Find;

my ($src, @folders) = @ARGV;
die "usage: $0 SRC_DIR [FOLDER...]\n" unless defined $src && -d $src;
my %only = map { $_ => 1 } @folders;

my %deps;  # module -> { module => 1 }
find({ no_chdir => 1, wanted => sub {
    return unless /\.(cpp|hpp)$/;
    my $rel = $File::Find::name;
    $rel =~ s{^\Q$src\E/?}{};
    (my $module = $rel) =~ s/\.(cpp|hpp)$//;
    my ($folder) = $module =~ m{^([^/]+)/};
    return if %only && !(defined $folder && $only{$folder});
    $deps{$module} //= {};
    open my $fh, '<', $File::Find::name or die "$File::Find::name: $!\n";
    while (<$fh>) {
        next unless /^\s*#\s*include\s+"([^"]+)\.hpp"/;
        my $target = $1;
        next if $target eq $module;
        my ($tfolder) = $target =~ m{^([^/]+)/};
        next if %only && !(defined $tfolder && $only{$tfolder});
        $deps{$module}{$target} = 1;
    }
    close $fh;
}}, $src);

my (%state, @stack, @cycles);  # state: 1 on the stack, 2 done
sub visit {
    my ($m) = @_;
    $state{$m} = 1;
    push @stack, $m;
    for my $d (sort keys %{ $deps{$m} // {} }) {
        if (($state{$d} // 0) == 1) {
            my @path = @stack;
            shift @path while $path[0] ne $d;
            push @cycles, join(' -> ', @path, $d);
        } elsif (!$state{$d}) {
            visit($d);
        }
    }
    pop @stack;
    $state{$m} = 2;
}
visit($_) for grep { !$state{$_} } sort keys %deps;

if (@cycles) {
    print "include cycle: $_\n" for @cycles;
    exit 1;
}
printf "no include cycles among %d modules%s\n", scalar(keys %deps), @folders ? " of @folders" : "";
