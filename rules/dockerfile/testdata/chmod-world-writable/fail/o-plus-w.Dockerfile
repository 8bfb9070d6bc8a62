FROM alpine:3.20
RUN chmod o+w /app/config
