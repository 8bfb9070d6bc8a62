FROM debian:bookworm-slim
RUN useradd -u 10001 app
USER app
RUN echo built
USER 0:0
ENTRYPOINT ["/bin/true"]
