#!/usr/bin/env bash
# A small Redis sink, as a Kafka Connect Redis sink would run in Confluent Cloud: it takes
# records (here: generated orders) and writes each into Redis under its key, reaching Redis by
# the endpoint service's private DNS name only.
# Environment: REDIS_HOST (the private DNS name), RECORDS (how many).
set -euo pipefail
: "${REDIS_HOST:?}" "${RECORDS:=100}"
getent hosts "$REDIS_HOST" >/dev/null || { echo "sink: $REDIS_HOST does not resolve" >&2; exit 1; }
for i in $(seq 1 "$RECORDS"); do
  printf 'SET order:%d "{\\"id\\":%d,\\"amount\\":%d.%02d}"\n' "$i" "$i" $((i * 7 % 500)) $((i % 100))
done | redis-cli -h "$REDIS_HOST" >/tmp/replies
ok=$(grep -c '^OK$' /tmp/replies || true)
echo "sink: wrote $ok of $RECORDS records to $REDIS_HOST"
[ "$ok" -eq "$RECORDS" ]
