FROM alpine:3.20
RUN chmod 1777 /tmp/shared && chmod 750 /app && chmod u+w,go-w /app/config
COPY --chmod=644 config /app/
