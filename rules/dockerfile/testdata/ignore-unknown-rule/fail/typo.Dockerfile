FROM alpine:3.20
# eksguard ignore=dockerfile/user-rot runs as root on purpose
USER root
