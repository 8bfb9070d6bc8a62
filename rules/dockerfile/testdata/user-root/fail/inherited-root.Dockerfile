FROM alpine:3.20 AS base
USER root
FROM base
COPY app /app
