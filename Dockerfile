# Hamming in a container: slim Python, non-root, the database on the /data volume.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/hamming.sqlite3 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080

RUN useradd --create-home --uid 10001 hamming && mkdir /data && chown hamming /data
WORKDIR /app

# Dependencies first so code changes do not reinstall them.
COPY pyproject.toml requirements.lock README.md ./
COPY bot/__init__.py bot/__init__.py
COPY cogs/__init__.py cogs/__init__.py
RUN pip install -c requirements.lock -e .

COPY bot ./bot
COPY cogs ./cogs
COPY migrations ./migrations

USER hamming
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"

CMD ["python", "-m", "bot"]
