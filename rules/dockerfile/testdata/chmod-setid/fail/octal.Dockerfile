FROM alpine:3.20
COPY --chmod=4755 tool /usr/local/bin/tool
