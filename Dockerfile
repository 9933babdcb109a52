# Multi-stage build for every Newsline app: `docker build --build-arg APP=gateway .`
FROM node:20-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages ./packages
COPY apps ./apps
COPY test/package.json ./test/package.json
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
ARG APP
COPY tsconfig.json turbo.json ./
COPY scripts ./scripts
RUN npx turbo run build --filter=@newsline/${APP}

FROM node:20-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP} BIND_HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /src/package.json /src/package-lock.json ./
COPY --from=deps /src/packages ./packages
COPY --from=deps /src/apps ./apps
COPY --from=deps /src/test/package.json ./test/package.json
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf apps/*/src
COPY --from=build /src/apps/${APP}/dist ./apps/${APP}/dist
USER node
CMD ["sh", "-c", "exec node --enable-source-maps apps/${APP}/dist/main.js"]
