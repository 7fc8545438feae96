# Image of the CII platform: the same image runs the web process (gunicorn)
# and the Celery worker (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=cii_platform.settings_production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/srv/media

# System libraries WeasyPrint needs to render the PDF reports, and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 cii \
    && useradd --system --uid 1000 --gid cii --create-home --home-dir /home/cii --shell /usr/sbin/nologin cii \
    && python -m venv "$VIRTUAL_ENV"

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The project
# declares no importable package (`[tool.setuptools] packages = []`): it runs
# from its source directory, `pip install .` only brings in the dependencies.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

# The code stays owned by root: the app user may only write var/ and the media.
COPY . .

# Static files are collected (and compressed, hashed by WhiteNoise) at build time,
# with a throwaway key: production settings refuse to start without a strong one,
# and the real SECRET_KEY is only given to the running containers.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p "$MEDIA_ROOT" /app/var \
    && chown -R cii:cii "$MEDIA_ROOT" /app/var

USER cii

EXPOSE 8000

CMD ["gunicorn", "cii_platform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
