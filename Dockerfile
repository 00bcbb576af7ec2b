# syntax=docker/dockerfile:1
# Zapnoty Helpdesk: one image per silo (Orleans silo + REST API). Build: docker build -t zapnoty .
# docker-compose.yml runs it behind a proxy; docs/OPERATIONS.md describes both.

# 1. The agents' dashboard (a Vite SPA in dashboard/, built into dashboard/dist). The
#    wildcard makes the stage a no-op on a tree without dashboard/, so the image builds before
#    and after the dashboard exists (BuildKit, Docker's default builder since version 23, allows
#    a wildcard that matches nothing; the legacy builder does not).
FROM node:22-bookworm-slim AS dashboard
WORKDIR /src/dashboard
COPY dashboar[d]/package*.json ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
COPY dashboar[d] ./
# The build generates the dashboard's API types from the committed contract.
COPY doc[s]/openapi.jso[n] ../docs/
RUN if [ -f package.json ]; then npm run build; else mkdir -p dist; fi

# 2. The silo. Project files first, so the restore layer is reused while only code changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY Zapnoty.Grains/Zapnoty.Grains.csproj Zapnoty.Grains/
COPY Zapnoty.Api/Zapnoty.Api.csproj Zapnoty.Api/
COPY Zapnoty.Silo/Zapnoty.Silo.csproj Zapnoty.Silo/
RUN dotnet restore Zapnoty.Silo/Zapnoty.Silo.csproj
COPY Zapnoty.Grains/ Zapnoty.Grains/
COPY Zapnoty.Api/ Zapnoty.Api/
COPY Zapnoty.Silo/ Zapnoty.Silo/
COPY scripts/publish.sh scripts/
RUN scripts/publish.sh /app/publish

# 3. Runtime: the ASP.NET Core image (Ubuntu), not chiseled: it keeps ICU and tzdata (full
#    globalization, no invariant-mode surprises in Npgsql or culture-aware text) and bash for the
#    health check below. It runs as the image's non-root user "app".
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app/publish ./
COPY --from=dashboard /src/dashboard/dist ./dashboard/
# Inside a container the API must listen on every interface; the image's default
# ASPNETCORE_HTTP_PORTS (8080) is cleared so only ASPNETCORE_URLS applies. AdvertisedIP "auto"
# tells Orleans this container's own address, which differs per replica under --scale.
ENV ASPNETCORE_URLS=http://0.0.0.0:5080 \
    ASPNETCORE_HTTP_PORTS= \
    Orleans__AdvertisedIP=auto \
    Orleans__SiloPort=11111 \
    Orleans__GatewayPort=0 \
    Zapnoty__Dashboard__Path=/app/dashboard
# 5080 REST API, 11111 silo-to-silo (firewall it to the silo subnet); no Orleans gateway. The Orleans Dashboard port
# (Zapnoty__Dashboard__Orleans__Port, off by default) is deliberately not exposed.
EXPOSE 5080 11111
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5080 && printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Zapnoty.Silo.dll"]
