FROM alpine:3.20
RUN git clone https://oauth2:ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2@github.com/acme/private.git
