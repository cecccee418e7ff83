# Berkas: one image for every service of docker-compose.yml: the owner's one-off set-up
# (`berkas store init`), the API (`berkas serve`) and the projection worker
# (`berkas projections run`). Each service declares the healthcheck that fits it.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The locked dependency set first (exact versions, every file's hash checked), so a code
# change does not reinstall it; the same lock `make` installs from.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY berkas_verify ./berkas_verify
# The project itself without resolving anything; `pip check` fails the build on a stale lock.
RUN pip install --no-deps . \
    && pip check \
    && rm -rf build ./*.egg-info \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin berkas \
    && mkdir -p /var/lib/berkas-witness && chown 10001:10001 /var/lib/berkas-witness && chmod 700 /var/lib/berkas-witness
USER 10001:10001

# /app on the path too: files beside the code (templates, static assets) load from the tree.
ENV PYTHONPATH=/app \
    BERKAS_HOST=0.0.0.0 \
    BERKAS_PORT=8000
EXPOSE 8000
CMD ["berkas", "serve"]
