FROM alpine:3.20
COPY .env id_rsa /app/
