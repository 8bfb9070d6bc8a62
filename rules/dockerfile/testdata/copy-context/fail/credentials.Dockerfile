FROM node:22.11-alpine3.20
WORKDIR /app
COPY * ./
USER node
CMD ["node", "server.js"]
