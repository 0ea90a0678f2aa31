# S3 Desk: `s3desk serve` (Slack, Teams, /healthz, /metrics, the outbox and the tick).
# Dependencies are exactly the hash-checked pins of requirements.lock (scripts/lock.sh).
#   docker build -t s3desk .        then see compose.yaml for PostgreSQL and two replicas
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    DATABASE_URL=sqlite:////data/s3desk.db \
    S3DESK_ENV=production \
    S3DESK_LOG_FORMAT=json

# the server runs as this unprivileged user; it may write only to /data (a SQLite store)
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin s3desk \
    && mkdir /data && chown s3desk /data

WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# the project itself, built with the pinned setuptools and nothing fetched
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation --no-index . \
    && /opt/venv/bin/pip check

WORKDIR /data
USER s3desk
VOLUME ["/data"]
EXPOSE 3978
# 503 (store unreachable, tick stopped) or no answer makes urlopen raise: unhealthy
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=4)"]
# SIGTERM: no more claims, requests and sends finish, other rows go back (see docs/operations.md)
STOPSIGNAL SIGTERM
CMD ["s3desk", "serve", "--host", "0.0.0.0", "--port", "3978"]
