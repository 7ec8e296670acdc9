#!/bin/sh
# The `tributary` command (package.json "bin"; the build copies this file beside main.js as
# `tributary`, see build-bin.ts).
#
# A bare `tributary --help` (or -h) prints help.txt, which the build wrote from commander's own
# output of main.js, without starting Node: a Node process takes longer to start on the benchmark
# machine than the 50 ms the design allows for help (bench/RESULTS.md). help.txt older than main.js
# (main.js compiled again without the build's last step) is not trusted. Everything else, and help
# when help.txt is missing or old, runs main.js with the `node` on PATH, as `#!/usr/bin/env node` did.
#
# Likewise `tributary config show` prints config-defaults.json (the schema's defaults, masked, as
# the build rendered them) when no variable in config_env is set to anything but blanks: the same
# rule as firstOverride in src/config/env.ts, whose list the build writes into config_env below.
# Left as the marker (this file run unbuilt), the shortcut is off.
config_env='@CONFIG_ENV@'
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
if [ $# -eq 2 ] && [ "$1" = config ] && [ "$2" = show ] && [ "$config_env" != '@CONFIG_ENV@' ] \
  && [ -r "$dir/config-defaults.json" ] && ! [ "$dir/main.js" -nt "$dir/config-defaults.json" ]; then
  overridden=
  for name in $config_env; do
    eval "value=\${$name-}"
    case $value in
      *[![:space:]]*) overridden=$name ;;
    esac
  done
  [ -z "$overridden" ] && exec cat "$dir/config-defaults.json"
fi
exec node "$dir/main.js" "$@"
