FROM golang:1.23 AS build
FROM debian:bookworm-slim
