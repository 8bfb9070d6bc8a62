# eksguard ignore-file=dockerfile/healthcheck probes are in the pod spec
FROM alpine:3.20
# eksguard ignore=dockerfile/user-root,pod binds a privileged port
USER root
