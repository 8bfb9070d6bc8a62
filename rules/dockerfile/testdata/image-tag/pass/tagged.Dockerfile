ARG VERSION=3.12
FROM python:${VERSION}-slim AS build
FROM build AS final
FROM scratch
FROM alpine@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
FROM ${UNSET_BASE}
