FROM alpine:3.20 AS build
FROM alpine:3.20
COPY .env.example app.py /app/
COPY --from=build /root/.ssh/known_hosts /etc/ssh/
