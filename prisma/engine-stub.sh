#!/bin/sh
# Fails on purpose: Prisma must never run its native schema engine here (see README, "Migrations").
echo "airlock: the native Prisma schema engine is disabled; use npm run migrate" >&2
exit 1
