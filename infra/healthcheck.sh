#!/bin/bash
# Container health check with nothing but bash (no curl in slim images): HTTP 200 from
# http://127.0.0.1:${HEALTH_PORT:-8080}${HEALTH_PATH:-/actuator/health}. No arguments on purpose:
# podman's Docker API splits healthcheck arguments on spaces.
port=${HEALTH_PORT:-8080}
path=${HEALTH_PATH:-/actuator/health}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ $status == *" 200 "* ]]
