// Renderer entry: one API client (HTTP+SSE or the Electron bridge) and one app state, mounted once.
import { mount } from 'svelte';
import App from './App.svelte';
import { createApiClient } from './api-client/index.ts';
import { AppState } from './state/app.svelte.ts';
import './app.css';

const app = new AppState(createApiClient());
mount(App, { target: document.getElementById('app')!, props: { app } });
void app.start();
