FROM debian:bookworm-slim
ARG CURL_VERSION=7.88.1-10+deb12u5
ENV GIT_VERSION=1:2.39.5-0+deb12u1
RUN apt-get update && apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold \
      curl=${CURL_VERSION} git=$GIT_VERSION ./local.deb nginx/bookworm-backports \
 && buildDeps="python3=3.11.2-1+b1" \
 && apt-get install -y $buildDeps \
 && apk add --no-cache bash=5.2.26-r0 \
 && pip install -r requirements.txt \
 && pip install --no-cache-dir "flask>=3.0" django==5.1 . git+https://github.com/x/y.git \
 && npm install \
 && npm install -g typescript@5.6.3 @aws-sdk/client-s3@3.670.0 ./local-pkg \
 && yum install -y httpd-2.4.62-1.amzn2023 \
 && dnf install -y python3-pip-23.2.1 ./local.rpm \
 && apt-get install -y $UNKNOWN_FROM_BUILD_ARGS
