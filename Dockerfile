# Arbiter for Docker users:
#
#   docker build -t arbiter:0.1.0 .                                   # every language (several GB)
#   docker build --build-arg LANGUAGES=c,python3 -t arbiter:slim .    # just these
#
# scripts/build-image makes the same image without a Docker daemon (debootstrap + buildah); both
# read the same package list (scripts/debian-packages.txt through deploy/image/resolve-packages.mjs)
# and install the same entrypoint. Here Node 20 comes from the official node image; there, from the
# host's nodejs package. How to run it (capabilities, seccomp, cgroup namespace): deploy/image/README.md.

ARG NODE_VERSION=20

# --- build: compile the server, the web pages and the sandbox supervisor --------------------------
FROM node:${NODE_VERSION}-bookworm AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends libseccomp-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /build/arbiter
# node-gyp builds better-sqlite3 against the headers that come with this Node, when no prebuilt fits.
ENV npm_config_nodedir=/usr/local npm_config_audit=false npm_config_fund=false
COPY package.json package-lock.json ./
RUN npm ci --loglevel=error
COPY . .
RUN rm -rf dist build \
  && npx tsc -p tsconfig.build.json \
  && npx vite build --config src/web/vite.config.ts --logLevel warn \
  && node scripts/build-supervisor.mjs
ARG LANGUAGES=all
# Node is not installed with apt in the image (it is copied from the node image below).
RUN node deploy/image/resolve-packages.mjs . "$LANGUAGES" --without nodejs > /out-resolved.txt \
  && mkdir -p /out/app/build \
  && mkdir -p /out/app/scripts /out/app/src/languages/native \
  && cp -a package.json package-lock.json bin dist /out/app/ \
  && cp -a scripts/build-pch.mjs /out/app/scripts/ \
  && cp -a src/languages/native/pch-populate.c /out/app/src/languages/native/ \
  && cp -a build/arbiter-supervisor /out/app/build/ \
  && cp -a node_modules /out/app/ \
  && cd /out/app && npm prune --omit=dev --loglevel=error
# TypeScript for judged programs (the version scripts/setup installs), when the language is chosen.
RUN mkdir -p /out/typescript \
  && if sed -n 1p /out-resolved.txt | tr , '\n' | grep -qx typescript; then \
    ts_version=$(sed -n 's/^ts_version=//p' scripts/setup) \
    && npm install --prefix /out/typescript --loglevel=error --no-save "typescript@$ts_version" "@types/node@20"; \
  fi

FROM node:${NODE_VERSION}-bookworm-slim AS node

# --- runtime: Debian 12, the sandbox's packages, the toolchains, Node 20, Arbiter -----------------
FROM debian:bookworm-slim
COPY --from=build /out-resolved.txt /tmp/resolved.txt
# Node where Arbiter and the JavaScript language expect it (/usr/bin/node); it needs only libc and
# libstdc++ from Debian.
COPY --from=node /usr/local/bin/node /usr/bin/node
# openjdk's maintainer scripts need /usr/share/man/man1, which the slim base leaves out.
RUN mkdir -p /usr/share/man/man1 \
  && apt-get update \
  && apt-get install -y --no-install-recommends libstdc++6 $(sed -n 2p /tmp/resolved.txt) \
  && rm -rf /var/lib/apt/lists/* /tmp/resolved.txt
COPY --from=build /out/app /opt/arbiter
COPY --from=build /out/typescript /usr/local/lib/arbiter-toolchains/typescript
COPY deploy/image/entrypoint.sh /usr/local/bin/arbiter-entrypoint
RUN chmod 755 /usr/local/bin/arbiter-entrypoint \
  && ln -s /opt/arbiter/bin/arbiter.js /usr/local/bin/arbiter \
  && mkdir -p /var/lib/arbiter
# Precompiled bits/stdc++.h for the C++ entries the image has, made by its own compilers (a C++
# solution that includes it compiles about three times faster); nothing when C++ is left out.
RUN node /opt/arbiter/scripts/build-pch.mjs

WORKDIR /opt/arbiter
ENV ARBITER_DATA_DIR=/var/lib/arbiter NODE_ENV=production LANG=C.UTF-8
VOLUME /var/lib/arbiter
EXPOSE 2358
STOPSIGNAL SIGTERM
LABEL org.opencontainers.image.title=arbiter \
  org.opencontainers.image.description="Runs untrusted programs in a sandbox and judges them against tests" \
  org.opencontainers.image.licenses=MIT \
  org.opencontainers.image.base.name=debian:bookworm-slim
ENTRYPOINT ["/usr/local/bin/arbiter-entrypoint"]
CMD ["serve", "--host", "0.0.0.0"]
