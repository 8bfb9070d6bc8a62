FROM golang:1.23 AS base
WORKDIR /src
# The final stage builds on this one, so this COPY is in the image.
COPY ./ ./
FROM base
USER 10001
ENTRYPOINT ["/src/run.sh"]
