# newsbot: the Telegram bot (and CLI) in one image. Used by docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app

# torch first and pinned. The registry's Linux torch wheel bundles CUDA (several GB); PyTorch's
# CPU wheel index, an extra index here, gives the CPU build. docker-compose.yml passes
# TORCH_INDEX_URL; set it empty for the registry's default (a GPU host), or to another index.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY constraints.txt ./
RUN pip install torch==2.13.0 -c constraints.txt \
        ${TORCH_INDEX_URL:+--extra-index-url "$TORCH_INDEX_URL"}

COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY retrieval ./retrieval
COPY prompts ./prompts
COPY samples ./samples
RUN pip install -c constraints.txt .

# The bot runs as `newsbot`; the entrypoint starts as root only to hand it the data and ingest
# folders (volumes and bind mounts Docker may have created as root), then drops to it.
RUN useradd --create-home --uid 1000 newsbot && mkdir -p /app/data /app/ingest/uploads \
    && chown -R newsbot: /app/data /app/ingest
COPY docker/entrypoint.sh /usr/local/bin/newsbot-entrypoint
ENV NEWSBOT_DATA_DIR=/app/data NEWSBOT_INGEST_DIR=/app/ingest
# 9464: /healthz, /readyz, /metrics. 8443: the webhook server (webhook mode only).
EXPOSE 9464 8443
ENTRYPOINT ["newsbot-entrypoint"]
CMD ["newsbot", "bot"]
