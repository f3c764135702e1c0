# anchor-service: the API, the scheduler and every other `anchor-service` command.
#
#   docker build -t anchor-service .
#   docker run --rm -p 8000:8000 -e ANCHOR_DATABASE_URL=postgresql://... anchor-service
#
# The compiled AnchorRegistry artifact is package data (anchor_service/chain/artifacts),
# so the image needs neither Node nor a Solidity compiler. The local chain of
# compose.yaml runs in its own image (Dockerfile.ganache).

# --- build: a wheel of the package, installed with the server extra into a venv -----
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY anchor_service ./anchor_service
RUN python -m venv /opt/anchor-service \
 && /opt/anchor-service/bin/pip install --upgrade pip wheel \
 && /opt/anchor-service/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/anchor-service/bin/pip install "$(echo /wheels/anchor_service-*.whl)[server]" \
 && /opt/anchor-service/bin/python -c \
    "from anchor_service.chain import load_artifact; load_artifact()"

# --- runtime: the venv only, run as an unprivileged user ----------------------------
FROM python:3.11-slim
ENV PATH=/opt/anchor-service/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ANCHOR_HOST=0.0.0.0 \
    ANCHOR_PORT=8000 \
    ANCHOR_DATA_DIR=/var/lib/anchor-service
RUN groupadd --system --gid 10001 anchor \
 && useradd --system --uid 10001 --gid anchor --home-dir /var/lib/anchor-service \
    --shell /usr/sbin/nologin anchor \
 && mkdir -p /var/lib/anchor-service/deploy \
 && chown -R anchor:anchor /var/lib/anchor-service
COPY --from=build /opt/anchor-service /opt/anchor-service
USER anchor
WORKDIR /var/lib/anchor-service
EXPOSE 8000
# Liveness of the API; services that serve no HTTP (scheduler, one-shot commands)
# turn it off in compose.yaml.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ANCHOR_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["anchor-service"]
CMD ["serve", "--host", "0.0.0.0"]
