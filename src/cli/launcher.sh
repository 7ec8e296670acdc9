#!/bin/sh
# The `tributary` command (package.json "bin"; the build copies this file beside main.js as
# `tributary`, see build-bin.ts).
#
# A bare `tributary --help` (or -h) prints help.txt, which the build wrote from commander's own
# output of main.js, without starting Node: a Node process takes longer to start on the benchmark
# machine than the 50 ms the design allows for help (bench/RESULTS.md). help.txt older than main.js
# (main.js compiled again without the build's last step) is not trusted. Everything else, and help
# when help.txt is missing or old, runs main.js with the `node` on PATH, as `#!/usr/bin/env node` did.
self=$0
# npm installs the bin as a symlink (node_modules/.bin/tributary -> ../tributary/dist/src/cli/tributary).
while [ -h "$self" ]; do
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=${self%/*}/$link ;;
  esac
done
case $self in
  */*) dir=${self%/*} ;;
  *) dir=. ;;
esac
if [ $# -eq 1 ] && { [ "$1" = --help ] || [ "$1" = -h ]; } && [ -r "$dir/help.txt" ] && ! [ "$dir/main.js" -nt "$dir/help.txt" ]; then
  exec cat "$dir/help.txt"
fi
exec node "$dir/main.js" "$@"
