/**
 * Prints the `docker build` arguments of image/Dockerfile, one per line, for teams whose CI builds
 * the image:
 *
 *   mapfile -t args < <(npm run --silent image:build-args)
 *   docker buildx build "${args[@]}" -t REGISTRY/amundsen-frontend:TAG --push image/
 */
import { imageBuildArgs } from "../components/image";

for (const [name, value] of Object.entries(imageBuildArgs()))
  console.log(`--build-arg=${name}=${value}`);
