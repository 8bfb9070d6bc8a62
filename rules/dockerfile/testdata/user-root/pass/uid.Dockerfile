FROM golang:1.23 AS build
USER root
RUN go version
FROM debian:bookworm-slim
ARG APP_UID=10001
RUN useradd -u ${APP_UID} app
USER ${APP_UID}
