export { BASE_PATH, type RouteMatch, matchRoute } from "../routes.ts";
