# ceasefire-log's image: the wheel the test suite installs, with the versions it ran
# (constraints.txt, which .ci/run installs from too), on a slim Python, as a non-root user.
# Without DATABASE_URL it runs its own embedded PostgreSQL in /var/lib/ceasefire-log/data;
# docker-compose.yml gives it a PostgreSQL server instead.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY service ./service
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/ceasefire-log/bin:$PATH \
    CFL_HOST=0.0.0.0 \
    CFL_PORT=8000 \
    CFL_DATA_DIR=/var/lib/ceasefire-log/data \
    CFL_LOG_FORMAT=json
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /tmp/wheels
# The wheel's dependencies come from PyPI at the versions constraints.txt pins; no compiler is
# needed, because every one of them ships a binary wheel.
RUN python -m venv /opt/ceasefire-log \
    && /opt/ceasefire-log/bin/pip install --no-cache-dir -c /tmp/constraints.txt /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && groupadd --system --gid 10001 ceasefire \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/ceasefire-log --create-home \
       --shell /usr/sbin/nologin ceasefire
# Numeric, so that a runtime that insists on a non-root user can check it without /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/ceasefire-log
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["ceasefire-log", "healthcheck"]
# `serve` forwards SIGTERM to gunicorn, which lets requests finish within CFL_TIMEOUT.
STOPSIGNAL SIGTERM
CMD ["ceasefire-log", "serve"]
