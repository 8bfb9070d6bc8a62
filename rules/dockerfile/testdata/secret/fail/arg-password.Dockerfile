FROM alpine:3.20
ARG DB_PASSWORD=S3cr3t-Passw0rd!
