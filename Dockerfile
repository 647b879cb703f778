# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Caps V8's heap so each process stays under ~150 MB resident (Node's defaults let it grow to
# ~270 MB under load while the live heap is ~50 MB). Costs throughput; see docs/benchmarks.md.
# Override (or set empty) where memory is cheaper than CPU.
ENV NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=8"
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
# One image, three processes: the compose file picks the entry point.
CMD ["node", "dist/apps/gateway/main.js"]
