#!/bin/sh
# Regenerate the build system: configure, Makefile.in, aux files.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf --force --install --warnings=all,no-portability
echo "Now run ./configure (see ./configure --help) and make."
