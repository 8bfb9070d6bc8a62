FROM alpine:3.20
ADD rootfs.tar.gz /
ADD https://example.com/tool.tar.gz /opt/
COPY app.py /app/
