FROM alpine:3.20
ARG DB_PASSWORD_FILE=/run/secrets/db
ENV DB_PASSWORD=${DB_PASSWORD} GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
LABEL org.opencontainers.image.description="token rotation service"
RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
