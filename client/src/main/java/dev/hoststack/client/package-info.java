package dev.hoststack.client;
