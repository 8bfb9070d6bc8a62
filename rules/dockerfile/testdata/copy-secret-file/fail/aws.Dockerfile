FROM alpine:3.20
COPY .aws/credentials /root/.aws/credentials
