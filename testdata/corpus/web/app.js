import express from 'express';
import { WebClient } from '@slack/web-api';

const slack = new WebClient('xoxb-762406972922-2090678192267-oGV1yrB6j2iXRs5HpniL59VF');
const serviceJwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtd2ViIiwic2NvcGUiOiJvcmRlcnM6cmVhZCIsImlhdCI6MTcxNjAwMDAwMH0.D9kBhkBN-xhAwSzv-hwpZk3u2thp4Q-LuNeGr9pxV0w';
const apiToken = process.env.API_TOKEN;

async function getOrders(token) {
  return fetch('/api/orders', { headers: { Authorization: `Bearer ${token}` } });
}

const mongoUri = "mongodb+srv://web:gCaulXZhhIzBIsExu5@cluster0.q7x2k.mongodb.net/shop?retryWrites=true";
const placeholderKey = 'YOUR_API_KEY';
export default { getOrders };
