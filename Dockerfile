# Berkas: one image for the API (`berkas serve`) and the projection worker
# (`berkas projections run`); docker-compose.yml starts both next to PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir domain projections api \
    && touch domain/__init__.py projections/__init__.py api/__init__.py \
    && pip install . \
    && pip uninstall -y berkas
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY berkas_verify ./berkas_verify
RUN pip install --no-deps . \
    && useradd --system --uid 10001 berkas
USER berkas

# /app on the path too: every top-level package of the tree imports, packaged or not.
ENV PYTHONPATH=/app \
    BERKAS_HOST=0.0.0.0 \
    BERKAS_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["berkas", "serve"]
