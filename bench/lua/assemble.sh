#!/bin/sh
# Prints the script the gateway runs for one mix of algorithms (the same files, in the same order, as
# io.limitguard.gateway.limit.LimitScripts): prelude, clock, window helpers if the mix has a windowed
# algorithm, the algorithm files, the driver.
# Usage: bench/lua/assemble.sh token_bucket [gcra fixed_window sliding_window concurrency]
#        (algorithm files in this order, the order of the Java enum Algorithm)
set -eu
cd "$(dirname "$0")/../.."
parts="prelude clock"
case " $* " in *" fixed_window "*|*" sliding_window "*) parts="$parts window" ;; esac
for f in $parts "$@" limitguard; do
  printf -- '-- ==== lua/%s.lua\n' "$f"; cat "lua/$f.lua"; printf '\n'
done
