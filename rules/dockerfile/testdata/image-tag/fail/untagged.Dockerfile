ARG REGISTRY=docker.io
FROM ${REGISTRY}/library/python AS build
FROM alpine:3.20
