#!/bin/sh
# The image's entrypoint: make the data and ingest folders the bot's own, then run the command
# as the unprivileged user. A bind mount whose host folder did not exist (./ingest) is created
# by Docker as root; without this, uploads into ingest/uploads fail for the bot's user.
# Only the folders themselves are given to the user, never what the operator put in them; the
# data folder (the bot's own state) wholly, when root owns it.
set -eu
RUN_AS="${NEWSBOT_RUN_AS:-newsbot}"
DATA="${NEWSBOT_DATA_DIR:-/app/data}"
INGEST="${NEWSBOT_INGEST_DIR:-/app/ingest}"

if [ "$(id -u)" = "0" ] && [ "$RUN_AS" != "root" ]; then
    mkdir -p "$DATA" "$INGEST/uploads"
    if [ "$(stat -c %u "$DATA")" = "0" ]; then
        chown -R "$RUN_AS:" "$DATA"
    fi
    chown "$RUN_AS:" "$INGEST" "$INGEST/uploads"
    HOME="$(getent passwd "$RUN_AS" | cut -d: -f6)"  # caches go to the user's home, not /root
    export HOME
    exec setpriv --reuid="$(id -u "$RUN_AS")" --regid="$(id -g "$RUN_AS")" --init-groups -- "$@"
fi
exec "$@"
