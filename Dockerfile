# newsbot: the Telegram bot (and CLI) in one image. Used by docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app

# torch first and pinned. On PyPI, Linux torch wheels bundle CUDA (several GB); to get the small
# CPU build, pass the PyTorch CPU wheel index: --build-arg TORCH_INDEX_URL=<cpu wheel index>.
ARG TORCH_INDEX_URL=""
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
        pip install torch==2.13.0 --index-url "$TORCH_INDEX_URL"; \
    else \
        pip install torch==2.13.0; \
    fi

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
COPY prompts ./prompts
COPY samples ./samples
RUN pip install .

RUN useradd --create-home newsbot && mkdir -p /app/data /app/ingest \
    && chown -R newsbot /app/data /app/ingest
USER newsbot
ENV NEWSBOT_DATA_DIR=/app/data NEWSBOT_INGEST_DIR=/app/ingest
# Load the bundled model once at build time would bloat layers; it loads at start instead.
EXPOSE 9464
CMD ["newsbot", "bot"]
