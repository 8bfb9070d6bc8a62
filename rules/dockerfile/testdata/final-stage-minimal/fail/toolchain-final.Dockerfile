FROM golang:1.23 AS build
RUN go build -o /app ./cmd/app
FROM golang:1.23
COPY --from=build /app /app
