FROM alpine:3.20
RUN chmod u+s /usr/local/bin/tool
