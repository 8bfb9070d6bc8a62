FROM 111122223333.dkr.ecr.us-east-1.amazonaws.com/base/python:3.12-slim AS build
FROM public.ecr.aws/docker/library/alpine:3.20
FROM build
