FROM golang:1.23
COPY . /src
RUN go build -o /app ./cmd/app
