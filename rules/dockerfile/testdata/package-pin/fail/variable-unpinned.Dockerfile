FROM debian:bookworm-slim
ARG PACKAGES="curl git"
RUN apt-get update && apt-get install -y ${PACKAGES}
