FROM alpine:3.20
ADD https://example.com/tool.tar.gz /opt/
